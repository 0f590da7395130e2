using EdgeFL.DeviceClient;
using EdgeFL.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.Services.AddOptions<DeviceOptions>().Bind(builder.Configuration.GetSection(DeviceOptions.Section))
    .Validate(o => { o.Validate(); return true; }).ValidateOnStart();
builder.Services.AddOptions<DeviceDataOptions>().Bind(builder.Configuration.GetSection("Device:Data"));
builder.Services.AddOptions<DeviceProfile>().Bind(builder.Configuration.GetSection("Device:Profile"))
    .Validate(p => { p.Validate(); return true; }).ValidateOnStart();
builder.Services.AddOptions<TrainerOptions>().Bind(builder.Configuration.GetSection("Device:Training"))
    .Validate(t => { t.Validate(); return true; }).ValidateOnStart();
builder.Services.AddHostedService<DeviceWorker>();
await builder.Build().RunAsync().ConfigureAwait(false);
