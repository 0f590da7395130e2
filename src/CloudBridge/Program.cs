using EdgeFL.CloudBridge;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.Services.AddEdgeFlCloudAggregator(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
