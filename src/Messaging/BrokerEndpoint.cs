using System.Globalization;

namespace EdgeFL.Messaging;

/// <summary>One broker address a client may connect to: a host and a TCP port.</summary>
public readonly record struct BrokerEndpoint(string Host, int Port)
{
    /// <summary>Parses <c>host:port</c> (an IPv6 address in brackets: <c>[::1]:1883</c>); false when it is not one.</summary>
    public static bool TryParse(string? text, out BrokerEndpoint endpoint)
    {
        endpoint = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            return false; // an IPv6 address without brackets: the port is ambiguous
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
        {
            return false;
        }

        endpoint = new BrokerEndpoint(host, port);
        return true;
    }

    /// <summary>Parses a configured list of <c>host:port</c> strings; each one that is not adds a problem naming <paramref name="key"/>.</summary>
    public static IReadOnlyList<BrokerEndpoint> ParseAll(IEnumerable<string>? texts, string key, ICollection<string> problems)
    {
        var endpoints = new List<BrokerEndpoint>();
        int i = 0;
        foreach (string text in texts ?? [])
        {
            if (TryParse(text, out var endpoint))
            {
                endpoints.Add(endpoint);
            }
            else
            {
                problems.Add($"{key}:{i} must be host:port with a port of 1-65535 (was '{text}')");
            }

            i++;
        }

        return endpoints;
    }

    /// <summary>Like <see cref="ParseAll(IEnumerable{string}?, string, ICollection{string})"/>, throwing on the first problem.</summary>
    public static IReadOnlyList<BrokerEndpoint> ParseAll(IEnumerable<string>? texts, string key)
    {
        var problems = new List<string>();
        var endpoints = ParseAll(texts, key, problems);
        return problems.Count == 0 ? endpoints : throw new InvalidOperationException(problems[0]);
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
