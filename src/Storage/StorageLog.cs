using Microsoft.Extensions.Logging;

namespace EdgeFL.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(5001, LogLevel.Error, "State file {Path} is corrupt ({Error}); moved it to {Aside} and started from an empty state")]
    public static partial void Quarantined(ILogger logger, string path, string aside, string error);
}
