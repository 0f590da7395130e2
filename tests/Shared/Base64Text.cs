namespace EdgeFL.Tests.Shared;

/// <summary>Base64 decoding that reports failure instead of throwing, for corpora that mutate encoded text.</summary>
public static class Base64Text
{
    /// <summary>The bytes of <paramref name="s"/>, or false when it is not valid base64.</summary>
    public static bool TryDecode(string s, out byte[] bytes)
    {
        bytes = new byte[s.Length];
        if (Convert.TryFromBase64String(s, bytes, out int n))
        {
            bytes = bytes[..n];
            return true;
        }

        return false;
    }
}
