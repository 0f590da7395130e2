using System.Runtime.InteropServices;
using TorchSharp;

namespace EdgeFL.Training.Tests.Build;

public sealed class TorchSharpNativeFixTests
{
    private const string LibStdCxx = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";

    private static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string CachedLibrary => Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void TorchSharp_LoadsAndComputes()
    {
        using var x = torch.ones(3, 4);
        using var y = x.sum();
        Assert.Equal(12f, y.item<float>());
    }

    [Fact]
    public void Build_MarksRequirementWeakInOutput_OnlyWhereSystemLacksIt_AndNeverInTheNuGetCache()
    {
        Assert.True(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "these tests describe the linux-x64 build");
        bool systemHasVersion = ElfVersionNeedPatcher.ContainsVersionString(File.ReadAllBytes(SystemLibStdCxx()), Version);
        ushort? output = ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(OutputLibrary), LibStdCxx, Version);
        ushort? cached = ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(CachedLibrary), LibStdCxx, Version);

        Assert.Equal((ushort)0, cached);
        Assert.Equal(systemHasVersion ? (ushort)0 : ElfVersionNeedPatcher.VerFlagWeak, output);
    }

    [Fact]
    public void FindFlagsOffset_LocatesTheVernauxEntry_OnlyItsFlagsDifferFromTheShippedFile()
    {
        byte[] shipped = File.ReadAllBytes(CachedLibrary);
        byte[] output = File.ReadAllBytes(OutputLibrary);
        long offset = ElfVersionNeedPatcher.FindFlagsOffset(shipped, LibStdCxx, Version);
        Assert.True(offset > 0);
        Assert.Equal(offset, ElfVersionNeedPatcher.FindFlagsOffset(output, LibStdCxx, Version));

        // Whatever the build did, it touched at most those two bytes.
        Assert.Equal(shipped.Length, output.Length);
        for (int i = 0; i < shipped.Length; i++)
        {
            if (i != offset && i != offset + 1)
            {
                Assert.True(shipped[i] == output[i], $"byte {i} differs");
            }
        }
    }

    [Fact]
    public void FindFlagsOffset_NotRequiredVersion_ReturnsMinusOne()
    {
        byte[] shipped = File.ReadAllBytes(CachedLibrary);
        Assert.Equal(-1, ElfVersionNeedPatcher.FindFlagsOffset(shipped, LibStdCxx, "GLIBCXX_9.9.99"));
        Assert.Equal(-1, ElfVersionNeedPatcher.FindFlagsOffset(shipped, "libfoo.so.1", Version));
        Assert.Null(ElfVersionNeedPatcher.ReadFlags(shipped, LibStdCxx, "GLIBCXX_9.9.99"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(64)]
    [InlineData(4096)]
    public void FindFlagsOffset_TruncatedFile_ThrowsInvalidData(int length)
    {
        byte[] cut = File.ReadAllBytes(CachedLibrary).AsSpan(0, length).ToArray();
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.FindFlagsOffset(cut, LibStdCxx, Version));
    }

    [Fact]
    public void FindFlagsOffset_NotElf_ThrowsInvalidData()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.FindFlagsOffset(new byte[128], LibStdCxx, Version));
        Assert.Contains("not an ELF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindFlagsOffset_CorruptVerneedLink_ThrowsInsteadOfReadingOutOfBounds()
    {
        byte[] image = File.ReadAllBytes(CachedLibrary);

        // Point every verneed's vn_aux far outside its section.
        long offset = ElfVersionNeedPatcher.FindFlagsOffset(image, LibStdCxx, Version);
        Assert.True(offset > 0);
        CorruptVerneedAux(image);
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.FindFlagsOffset(image, LibStdCxx, Version));
    }

    [Fact]
    public void ContainsVersionString_MatchesWholeNulTerminatedNames()
    {
        byte[] bytes = [.. "xxGLIBCXX_3.4.320\0GLIBCXX_3.4.3\0"u8];
        Assert.False(ElfVersionNeedPatcher.ContainsVersionString(bytes, Version));
        Assert.True(ElfVersionNeedPatcher.ContainsVersionString(bytes, "GLIBCXX_3.4.3"));
    }

    private static void CorruptVerneedAux(byte[] image)
    {
        long shoff = BitConverter.ToInt64(image, 0x28);
        int shentsize = BitConverter.ToUInt16(image, 0x3A);
        int shnum = BitConverter.ToUInt16(image, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = (int)shoff + (i * shentsize);
            if (BitConverter.ToUInt32(image, sh + 4) == 0x6ffffffe)
            {
                long section = BitConverter.ToInt64(image, sh + 24);
                long size = BitConverter.ToInt64(image, sh + 32);
                long vn = section;
                while (true)
                {
                    BitConverter.TryWriteBytes(image.AsSpan((int)vn + 8, 4), (uint)(size * 4));
                    uint next = BitConverter.ToUInt32(image, (int)vn + 12);
                    if (next == 0)
                    {
                        return;
                    }

                    vn += next;
                }
            }
        }

        Assert.Fail("no .gnu.version_r section");
    }

    private static string SystemLibStdCxx()
    {
        string[] dirs = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib64", "/usr/local/lib"];
        return dirs.Select(d => Path.Combine(d, LibStdCxx)).First(File.Exists);
    }
}
