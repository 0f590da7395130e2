using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeFL.Observability;

/// <summary>Checks <see cref="ObservabilityOptions"/> at start; each message names the key to fix.</summary>
public sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        const string S = ObservabilityOptions.Section;
        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{S}:Port must be between 1 and 65535 (was {options.Port}).");
        }

        if (!ListenerAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"{S}:BindAddress must be an IP address, 'localhost' or '*' (was '{options.BindAddress}').");
        }
        else if (!ListenerAddress.IsLoopback(options.BindAddress))
        {
            if (string.IsNullOrWhiteSpace(options.TokenFile))
            {
                errors.Add($"{S}:TokenFile is required when {S}:BindAddress ('{options.BindAddress}') is not a loopback address: metrics, health and the dashboard beyond this machine need a bearer token.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.TokenFile))
        {
            if (!File.Exists(options.TokenFile))
            {
                errors.Add($"{S}:TokenFile '{options.TokenFile}' does not exist.");
            }
            else if (AccessToken.Read(options.TokenFile) is not { Length: >= AccessToken.MinLength })
            {
                errors.Add($"{S}:TokenFile '{options.TokenFile}' must hold a token of at least {AccessToken.MinLength} characters (printable ASCII, no spaces).");
            }
        }

        if (options.MaxDeviceSeries is < 0 or > 100_000)
        {
            errors.Add($"{S}:MaxDeviceSeries must be between 0 and 100000 (was {options.MaxDeviceSeries}).");
        }

        if (options.DashboardInterval < TimeSpan.FromMilliseconds(100) || options.DashboardInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{S}:DashboardInterval must be between 00:00:00.1 and 00:05:00 (was {options.DashboardInterval}).");
        }

        if (options.MaxDashboardClients is < 1 or > 1000)
        {
            errors.Add($"{S}:MaxDashboardClients must be between 1 and 1000 (was {options.MaxDashboardClients}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The listener's address as HttpListener wants it.</summary>
internal static class ListenerAddress
{
    public static bool TryParse(string? text, out string host)
    {
        host = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text is "*" or "+" or "0.0.0.0" or "::")
        {
            host = "+";
            return true;
        }

        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "localhost";
            return true;
        }

        if (IPAddress.TryParse(text, out var ip))
        {
            host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            return true;
        }

        return false;
    }

    /// <summary>
    /// The URL prefixes to register: HttpListener matches a request's Host header against each prefix's host,
    /// so a loopback address also gets <c>localhost</c>, and another address this machine's host name.
    /// </summary>
    public static IReadOnlyList<string> Prefixes(string? text, int port)
    {
        if (!TryParse(text, out string host))
        {
            return [];
        }

        var hosts = new List<string> { host };
        if (host != "+" && host != "localhost")
        {
            hosts.Add(IsLoopback(text) ? "localhost" : System.Net.Dns.GetHostName());
        }

        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase).Select(h => $"http://{h}:{port}/")];
    }

    public static bool IsLoopback(string? text) =>
        text is not null && (string.Equals(text.Trim(), "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(text.Trim(), out var ip) && IPAddress.IsLoopback(ip)));
}
