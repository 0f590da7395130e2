using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace EdgeFL.Hosting;

/// <summary>Hosting shared by the three EdgeFL services: configuration layers and systemd integration.</summary>
public static class EdgeFlHostBuilderExtensions
{
    /// <summary>Environment variable naming the directory of the operator's configuration files.</summary>
    public const string ConfigDirectoryVariable = "EDGEFL_CONFIG_DIR";

    /// <summary>The configuration directory when neither EDGEFL_CONFIG_DIR nor CONFIGURATION_DIRECTORY is set.</summary>
    public const string DefaultConfigDirectory = "/etc/edgefl";

    /// <summary>
    /// Makes the host an EdgeFL service named <paramref name="component"/> (gateway, cloud, device):
    /// layers configuration (appsettings.json, then {config dir}/{component}.json, then environment
    /// variables, then the command line), and wires systemd notification (READY=1 when the service
    /// calls <see cref="ServiceHealth.MarkReady"/>, WATCHDOG=1, STOPPING=1; a no-op outside systemd).
    /// Returns the health object the service reports through.
    /// </summary>
    public static ServiceHealth AddEdgeFlService(this IHostApplicationBuilder builder, string component)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(component);
        AddOperatorConfiguration(builder.Configuration, component);

        var services = builder.Services;

        // AddSystemd only acts when the parent process is systemd; it then registers SystemdLifetime,
        // which sends READY=1 when the host has *started*: BackgroundService.ExecuteAsync runs
        // concurrently with start, so that is before the broker client connected. Keep its journald
        // log format, and notify ourselves instead (ConsoleLifetime still handles SIGTERM).
        services.AddSystemd();
        foreach (var lifetime in services.Where(d => d.ServiceType == typeof(IHostLifetime) && d.ImplementationType == typeof(SystemdLifetime)).ToArray())
        {
            services.Remove(lifetime);
        }

        if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null || Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is not null)
        {
            services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Systemd);
        }

        // A failed start or a faulted loop is reported once, as one line naming the cause, by ServiceRunner
        // (and its exit code): the host's own error log would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        services.RemoveAll<ISystemdNotifier>();
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.TryAddSingleton(TimeProvider.System);
        var health = new ServiceHealth();
        services.AddSingleton(health);
        services.AddValidatedOptions<ServiceOptions, ServiceOptionsValidator>(builder.Configuration, ServiceOptions.Section);
        services.AddOptions<HostOptions>().Configure<IOptions<ServiceOptions>>((host, service) => host.ShutdownTimeout = service.Value.ShutdownTimeout);
        services.AddHostedService<SystemdNotificationService>();
        return health;
    }

    /// <summary>
    /// The configuration a service named <paramref name="component"/> would see (appsettings.json,
    /// {config dir}/{component}.json, environment, <paramref name="args"/>), for its command-line tools.
    /// </summary>
    public static Microsoft.Extensions.Configuration.IConfiguration ToolConfiguration(string component, string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = false });
        AddOperatorConfiguration(builder.Configuration, component);
        return builder.Configuration;
    }

    /// <summary>The directory holding the operator's {component}.json files.</summary>
    public static string ConfigDirectory()
    {
        string? explicitDir = Environment.GetEnvironmentVariable(ConfigDirectoryVariable);
        if (!string.IsNullOrEmpty(explicitDir))
        {
            return explicitDir;
        }

        // systemd sets this from ConfigurationDirectory= (colon-separated when several).
        string? systemd = Environment.GetEnvironmentVariable("CONFIGURATION_DIRECTORY");
        return string.IsNullOrEmpty(systemd) ? DefaultConfigDirectory : systemd.Split(':')[0];
    }

    /// <summary>
    /// Inserts {config dir}/{component}.json (optional) after the appsettings files and before the
    /// environment variables and command line, so those still override it.
    /// </summary>
    internal static void AddOperatorConfiguration(IConfigurationManager configuration, string component)
    {
        string path = Path.Combine(ConfigDirectory(), component + ".json");
        var source = new JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        var sources = configuration.Sources;
        int index = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } p } && p.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                index = i + 1;
            }
        }

        sources.Insert(index, source);
    }
}
