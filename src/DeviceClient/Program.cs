using EdgeFL.DeviceClient.Hosting;
using EdgeFL.Messaging.Systemd;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("device");
builder.Services.AddEdgeFlDevice(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
