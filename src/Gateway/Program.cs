using EdgeFL.Gateway;
using EdgeFL.Messaging.Systemd;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("gateway");
builder.Services.AddEdgeFlGateway(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
