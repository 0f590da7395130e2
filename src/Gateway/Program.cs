using EdgeFL.Gateway;
using EdgeFL.Messaging.Security;
using EdgeFL.Messaging.Systemd;
using Microsoft.Extensions.Hosting;

var credentials = new CredentialsCommand("device", "Device:Username", "Device:Password");
if (credentials.Matches(args))
{
    var configuration = EdgeFlHostBuilderExtensions.ToolConfiguration("gateway", args[1..]);
    string path = configuration["Gateway:Broker:CredentialsPath"] is { Length: > 0 } configured ? configured : GatewayBrokerOptions.DefaultCredentialsPath();
    return credentials.Run(args, path, Console.Out, Console.Error);
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("gateway");
builder.Services.AddEdgeFlGateway(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
return 0;
