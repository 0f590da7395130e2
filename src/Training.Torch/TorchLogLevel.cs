using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>
/// libtorch's C++ log threshold. libtorch writes warnings straight to stderr through c10's logger, some of
/// them on every call (on CPUs without AVX2, "Could not initialize NNPACK! Reason: Unsupported hardware."
/// for every convolution), and TorchSharp never calls <c>c10::initLogging</c>, so libtorch ignores
/// <c>TORCH_CPP_LOG_LEVEL</c>. This reads that variable itself (default <c>ERROR</c>) and sets c10's
/// threshold once per process: warnings are silenced, errors still print, and an operator who wants the
/// warnings back sets <c>TORCH_CPP_LOG_LEVEL=WARNING</c>.
/// </summary>
public static class TorchLogLevel
{
    /// <summary>The variable PyTorch uses for the same threshold.</summary>
    public const string EnvironmentVariable = "TORCH_CPP_LOG_LEVEL";

    /// <summary>c10's levels: INFO 0, WARNING 1, ERROR 2, FATAL 3.</summary>
    public const int Error = 2;

    private const string FlagSymbol = "FLAGS_caffe2_log_level";

    private static readonly Lazy<int?> Applied = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Sets libtorch's threshold from <see cref="EnvironmentVariable"/> (first call only) and returns the
    /// level set, or null where this libtorch exports no threshold to set (its default then stands).
    /// Throws <see cref="InvalidOperationException"/> naming the variable when its value is not a level.
    /// </summary>
    public static int? EnsureApplied() => Applied.Value;

    /// <summary>Parses a level as PyTorch does: INFO, WARNING, ERROR, FATAL or 0-3; empty means ERROR.</summary>
    public static int Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Error;
        }

        return value.Trim().ToUpperInvariant() switch
        {
            "INFO" or "0" => 0,
            "WARNING" or "1" => 1,
            "ERROR" or "2" => 2,
            "FATAL" or "3" => 3,
            _ => throw new InvalidOperationException(
                $"{EnvironmentVariable} must be INFO, WARNING, ERROR or FATAL (or 0-3), got '{value}'"),
        };
    }

    private static int? Apply()
    {
        int level = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

        // Loads libtorch (and with it c10) if nothing has yet.
        InitializeDeviceType(TorchSharp.DeviceType.CPU);
        if (!TryFindFlag(out nint flag))
        {
            return null;
        }

        Marshal.WriteInt32(flag, level);
        return level;
    }

    private static bool TryFindFlag(out nint flag)
    {
        flag = 0;
        string name = OperatingSystem.IsWindows() ? "c10.dll" : OperatingSystem.IsMacOS() ? "libc10.dylib" : "libc10.so";

        // By name first: the loader hands back the copy libtorch already loaded.
        return (NativeLibrary.TryLoad(name, out nint handle)
                || NativeLibrary.TryLoad(name, typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory, out handle))
            && NativeLibrary.TryGetExport(handle, FlagSymbol, out flag);
    }
}
