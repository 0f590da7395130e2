using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Hosting;
using EdgeFL.Messaging.Security;
using EdgeFL.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (new CredentialsCommand("gateway", "Gateway:Cloud:Username", "Gateway:Cloud:Password")
    .TryRun(args, rest => EdgeFlHostBuilderExtensions.ToolConfiguration("cloud", rest)["Cloud:CredentialsPath"], CloudAggregatorOptions.DefaultCredentialsPath, out int exitCode))
{
    return exitCode;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("cloud");
builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
builder.Services.AddHostedService<CloudHealthProbe>();
await builder.Build().RunAsync().ConfigureAwait(false);
return 0;
