using EdgeFL.Gateway;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.Services.AddEdgeFlGateway(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
