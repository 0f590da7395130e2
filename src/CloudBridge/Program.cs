using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Hosting;
using EdgeFL.CloudBridge.Observability;
using EdgeFL.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (CloudUsage.Create().TryWrite(args, Console.Out))
{
    return 0;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("cloud");
builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
builder.Services.AddHostedService<CloudHealthProbe>();
builder.Services.AddEdgeFlCloudObservability(builder.Configuration);
return await ServiceRunner.RunAsync(builder.Build(), "cloud", Console.Error).ConfigureAwait(false);
