using EdgeFL.DeviceClient.Hosting;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;

if (DeviceUsage.Create().TryWrite(args, Console.Out))
{
    return 0;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("device");
builder.Services.AddEdgeFlDevice(builder.Configuration);
return await ServiceRunner.RunAsync(builder.Build(), "device", Console.Error).ConfigureAwait(false);
