using EdgeFL.CloudBridge;
using EdgeFL.CloudBridge.Hosting;
using EdgeFL.Messaging.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("cloud");
builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
builder.Services.AddHostedService<CloudHealthProbe>();
await builder.Build().RunAsync().ConfigureAwait(false);
