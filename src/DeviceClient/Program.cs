using EdgeFL.DeviceClient.Hosting;
using EdgeFL.Core.Diagnostics;
using EdgeFL.Hosting;
using EdgeFL.Observability;
using Microsoft.Extensions.Hosting;

if (DeviceUsage.Create().TryWrite(args, Console.Out))
{
    return 0;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("device");
builder.Services.AddEdgeFlDevice(builder.Configuration);
builder.Services.AddEdgeFlObservability(builder.Configuration, ObservabilityDefaults.Device, EdgeFlMeters.Device);
return await ServiceRunner.RunAsync(builder.Build(), "device", Console.Error).ConfigureAwait(false);
