using EdgeFL.Core.Signing;
using EdgeFL.Core.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Cli.Inspect;

/// <summary>Tells what a file holds (a model file or another wire message, or a SQLite state database) and writes it readably.</summary>
internal static class FileInspector
{
    /// <summary>Inspects <paramref name="path"/>; returns the exit code. Problems with the file are one line on <paramref name="error"/>.</summary>
    public static int Run(string path, InspectOptions options, TextWriter output, TextWriter error)
    {
        if (Directory.Exists(path))
        {
            return Fail(error, path, "is a directory, not a file");
        }

        if (!File.Exists(path))
        {
            return Fail(error, path, "no such file");
        }

        using var verifier = options.PublicKeyPath is { } keys ? ModelVerifier.FromFile(keys, requireSigned: false) : null;
        var cells = new CellFormatter(verifier);
        if (StartsWithDatabaseHeader(path))
        {
            DatabaseReport report;
            try
            {
                report = DatabaseInspector.Inspect(path, options.MaxRows, cells);
            }
            catch (SqliteException e)
            {
                return Fail(error, path, $"SQLite cannot read it: {e.Message}");
            }

            if (options.Json)
            {
                InspectionJson.Write(InspectionJson.Database(report), output);
            }
            else
            {
                InspectionText.Write(report, output);
            }

            return ExitCodes.Success;
        }

        long length = new FileInfo(path).Length;
        if (length > DecodeLimits.Default.MaxPayloadBytes)
        {
            return Fail(error, path, $"{length:N0} bytes: larger than any model message ({DecodeLimits.Default.MaxPayloadBytes:N0}) and not a SQLite database");
        }

        if (!MessageInspector.TryDescribe(File.ReadAllBytes(path), verifier, out var summary, out var wireError))
        {
            return Fail(error, path, $"neither an EdgeFL model file (wire message) nor a SQLite state database ({wireError.Reason}: {wireError.Detail})");
        }

        if (options.Json)
        {
            InspectionJson.Write(InspectionJson.File(path, summary), output);
        }
        else
        {
            InspectionText.Write(path, summary, output);
        }

        return ExitCodes.Success;
    }

    private static bool StartsWithDatabaseHeader(string path)
    {
        Span<byte> start = stackalloc byte[DatabaseInspector.Header.Length];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && DatabaseInspector.IsDatabase(start);
    }

    /// <summary>One line, even when SQLite's message quotes a multi-line schema.</summary>
    private static int Fail(TextWriter error, string path, string why)
    {
        error.WriteLine($"edgefl inspect: {path}: {string.Join(' ', why.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}");
        return ExitCodes.Failure;
    }
}
