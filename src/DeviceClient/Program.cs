using EdgeFL.DeviceClient.Hosting;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("device");
builder.Services.AddEdgeFlDevice(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
