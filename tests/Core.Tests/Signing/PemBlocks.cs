using System.Formats.Asn1;
using System.Security.Cryptography;

namespace EdgeFL.Core.Tests.Signing;

/// <summary>What a PEM text holds, for the key file fuzzing's checks (RFC 7468, as .NET's PemEncoding reads it).</summary>
internal static class PemBlocks
{
    /// <summary>True when every "-----BEGIN " in <paramref name="text"/> starts a well-formed block.</summary>
    public static bool AllWellFormed(string text)
    {
        for (int at = text.IndexOf("-----BEGIN ", StringComparison.Ordinal); at >= 0; at = text.IndexOf("-----BEGIN ", at + 1, StringComparison.Ordinal))
        {
            // From the character before it: a boundary must follow whitespace (RFC 7468).
            int from = Math.Max(0, at - 1);
            if (!PemEncoding.TryFind(text.AsSpan(from), out var fields) || fields.Location.Start.Value != at - from)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The labels of the well-formed blocks, in order.</summary>
    public static List<string> Labels(string text)
    {
        var labels = new List<string>();
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            labels.Add(rest[fields.Label].ToString());
            rest = rest[fields.Location.End..];
        }

        return labels;
    }

    /// <summary>True when every block labelled <paramref name="label"/> holds exactly one DER value, nothing after it.</summary>
    public static bool OneDerValueEach(string text, string label)
    {
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                try
                {
                    var reader = new AsnReader(Convert.FromBase64String(rest[fields.Base64Data].ToString()), AsnEncodingRules.BER);
                    reader.ReadEncodedValue();
                    if (reader.HasData)
                    {
                        return false;
                    }
                }
                catch (AsnContentException)
                {
                    return false;
                }
            }

            rest = rest[fields.Location.End..];
        }

        return true;
    }
}
