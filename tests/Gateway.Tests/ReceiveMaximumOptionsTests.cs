using EdgeFL.CloudBridge;
using EdgeFL.CloudLink;
using Microsoft.Extensions.Configuration;

namespace EdgeFL.Gateway.Tests;

/// <summary>The MQTT 5 Receive Maximum the gateway and the cloud announce to an external broker: validated, naming the key.</summary>
public sealed class ReceiveMaximumOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public void Gateway_RefusesAReceiveMaximumOutside1To65535(int value)
    {
        var options = new GatewayOptions();
        options.Broker.ReceiveMaximum = value;
        var result = new GatewayOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options);
        Assert.Contains(result.Failures!, f => f.StartsWith("Gateway:Broker:ReceiveMaximum must be 1-65535", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_AreFour_AndValid()
    {
        var gateway = new GatewayOptions();
        Assert.Equal(4, gateway.Broker.ReceiveMaximum);
        var gatewayResult = new GatewayOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, gateway);
        Assert.DoesNotContain(gatewayResult.Failures ?? [], f => f.Contains("ReceiveMaximum", StringComparison.Ordinal));

        var cloud = new CloudAggregatorOptions();
        Assert.Equal(4, cloud.ReceiveMaximum);
        var cloudResult = new CloudAggregatorOptionsValidator().Validate(null, cloud);
        Assert.DoesNotContain(cloudResult.Failures ?? [], f => f.Contains("ReceiveMaximum", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public void Cloud_RefusesAReceiveMaximumOutside1To65535(int value)
    {
        var result = new CloudAggregatorOptionsValidator().Validate(null, new CloudAggregatorOptions { ReceiveMaximum = value });
        Assert.Contains(result.Failures!, f => f.StartsWith("Cloud:ReceiveMaximum must be 1-65535", StringComparison.Ordinal));
    }
}
