using EdgeFL.Gateway;
using EdgeFL.Messaging.Security;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;

if (new CredentialsCommand("device", "Device:Username", "Device:Password")
    .TryRun(args, rest => EdgeFlHostBuilderExtensions.ToolConfiguration("gateway", rest)["Gateway:Broker:CredentialsPath"], GatewayBrokerOptions.DefaultCredentialsPath, out int exitCode))
{
    return exitCode;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("gateway");
builder.Services.AddEdgeFlGateway(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
return 0;
