using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Hosting;
using EdgeFL.Messaging.Security;
using EdgeFL.Messaging.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var credentials = new CredentialsCommand("gateway", "Gateway:Cloud:Username", "Gateway:Cloud:Password");
if (credentials.Matches(args))
{
    var configuration = EdgeFlHostBuilderExtensions.ToolConfiguration("cloud", args[1..]);
    string path = configuration["Cloud:CredentialsPath"] is { Length: > 0 } configured ? configured : CloudAggregatorOptions.DefaultCredentialsPath();
    return credentials.Run(args, path, Console.Out, Console.Error);
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("cloud");
builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
builder.Services.AddHostedService<CloudHealthProbe>();
await builder.Build().RunAsync().ConfigureAwait(false);
return 0;
