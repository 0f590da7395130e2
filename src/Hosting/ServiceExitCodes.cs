namespace EdgeFL.Hosting;

/// <summary>
/// The exit codes of the EdgeFL services (gateway, cloud, device). The systemd units restart on failure
/// but not on <see cref="Configuration"/> (RestartPreventExitStatus=78): restarting cannot fix a setting.
/// </summary>
public static class ServiceExitCodes
{
    /// <summary>Stopped as asked (SIGTERM, Ctrl+C, or the configured rounds done).</summary>
    public const int Success = 0;

    /// <summary>A fatal error: the service stopped on a fault it cannot work around (a restart may help).</summary>
    public const int Fatal = 1;

    /// <summary>The configuration is invalid (sysexits' EX_CONFIG): one line on stderr names the key.</summary>
    public const int Configuration = 78;
}
