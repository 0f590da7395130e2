namespace EdgeFL.Messaging.Security;

/// <summary>Reads a secret (a password) from a file, such as one systemd's LoadCredential= provides.</summary>
public static class SecretFile
{
    /// <summary>
    /// The password to use: the trimmed first line of <paramref name="passwordFile"/> when one is
    /// named, else <paramref name="password"/>. Throws naming <paramref name="key"/> when the file cannot be read.
    /// </summary>
    public static string? Resolve(string? password, string? passwordFile, string key)
    {
        if (string.IsNullOrEmpty(passwordFile))
        {
            return password;
        }

        try
        {
            string text = File.ReadAllText(passwordFile);
            int newline = text.IndexOfAny(['\r', '\n']);
            string secret = (newline < 0 ? text : text[..newline]).Trim();
            return secret.Length > 0 ? secret : throw new InvalidOperationException($"{key}: '{passwordFile}' is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{key}: cannot read '{passwordFile}': {e.Message}", e);
        }
    }
}
