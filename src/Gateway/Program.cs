using EdgeFL.Gateway;
using EdgeFL.Gateway.Hosting;
using EdgeFL.Gateway.Observability;
using EdgeFL.Hosting;
using Microsoft.Extensions.Hosting;

if (GatewayUsage.Create().TryWrite(args, Console.Out))
{
    return 0;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdgeFlService("gateway");
builder.Services.AddEdgeFlGateway(builder.Configuration);
builder.Services.AddEdgeFlGatewayObservability(builder.Configuration);
return await ServiceRunner.RunAsync(builder.Build(), "gateway", Console.Error).ConfigureAwait(false);
