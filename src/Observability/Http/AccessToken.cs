using System.Security.Cryptography;
using System.Text;

namespace EdgeFL.Observability;

/// <summary>The bearer token of <c>Observability:TokenFile</c>, compared in constant time.</summary>
internal sealed class AccessToken
{
    public const int MinLength = 16;

    /// <summary>The cookie the dashboard sets once opened with <c>?token=</c>, so its event stream is authorised too.</summary>
    public const string CookieName = "edgefl_token";

    private readonly byte[] _token;

    private AccessToken(string token) => _token = Encoding.UTF8.GetBytes(token);

    /// <summary>The token in <paramref name="path"/>: its first line, trimmed; null when it holds anything but printable ASCII.</summary>
    public static string? Read(string path)
    {
        string text = File.ReadAllText(path).Trim();
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0)
        {
            text = text[..newline].Trim();
        }

        return text.Length > 0 && text.All(c => c > ' ' && c < 127) ? text : null;
    }

    /// <summary>The token of <paramref name="options"/>, or null when requests need none.</summary>
    public static AccessToken? From(ObservabilityOptions options) =>
        string.IsNullOrWhiteSpace(options.TokenFile) ? null : new AccessToken(Read(options.TokenFile) ?? throw new InvalidDataException($"{ObservabilityOptions.Section}:TokenFile '{options.TokenFile}' holds no token."));

    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);
}
