namespace EdgeFL.Emulation.Tests;

/// <summary>
/// 32-bit arm (linux-arm). The runtime and apphost packs for linux-arm are not served by this project's package feed
/// (NU1101) and Debian packages no .NET runtime, so no linux-arm .NET process can be started under qemu-arm here
/// (docs/DEVICES.md). What is checked: the device and the gateway publish for linux-arm as portable
/// framework-dependent builds, and the device's carries no TorchSharp or libtorch.
/// </summary>
public sealed class LinuxArmPublishTests
{
    [Theory]
    [InlineData("DeviceClient", "EdgeFL.DeviceClient.dll")]
    [InlineData("Gateway", "EdgeFL.Gateway.dll")]
    public async Task LinuxArm_FrameworkDependentPublish_Works_WithoutLibtorch(string project, string assembly)
    {
        var build = await Publisher.PublishAsync(project, $"{project}-linux-arm", "-r", "linux-arm", "--self-contained", "false", "-p:UseAppHost=false");

        Assert.True(build.ExitCode == 0, build.Log);
        Assert.True(File.Exists(Path.Combine(build.Directory, assembly)), build.Log);
        Assert.Empty(Directory.EnumerateFiles(build.Directory, "*torch*", SearchOption.AllDirectories));
        Assert.Contains("\"Microsoft.NETCore.App\"", await File.ReadAllTextAsync(Path.Combine(build.Directory, Path.ChangeExtension(assembly, ".runtimeconfig.json"))), StringComparison.Ordinal);
    }
}
