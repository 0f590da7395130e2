using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>Process-wide libtorch settings. Several simulated devices train in one process, so give each op one thread.</summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static int configuredThreads;
    private static bool interOpConfigured;

    /// <summary>Threads libtorch uses inside one op; calling again with the same value does nothing.</summary>
    public static int IntraOpThreads
    {
        get
        {
            lock (Gate)
            {
                return configuredThreads > 0 ? configuredThreads : get_num_threads();
            }
        }
    }

    /// <summary>Sets libtorch's intra-op thread count (and, once per process, a single inter-op thread); applies <see cref="TorchLogLevel"/>.</summary>
    public static void Configure(int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intraOpThreads);
        TorchLogLevel.EnsureApplied();
        lock (Gate)
        {
            if (!interOpConfigured)
            {
                // libtorch accepts this only once and only before any inter-op parallel work has started.
                try
                {
                    set_num_interop_threads(1);
                }
                catch (ExternalException)
                {
                    // Already fixed by earlier work in this process: the intra-op setting below still applies.
                }

                interOpConfigured = true;
            }

            if (configuredThreads != intraOpThreads)
            {
                set_num_threads(intraOpThreads);
                configuredThreads = intraOpThreads;
            }
        }
    }
}
