using EdgeFL.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// Seeds for fuzzing a SQLite state file: a valid file's bytes, and copies of it with wrong values
/// written through SQLite itself (text where a number goes, a garbage blob), which a byte mutation
/// rarely produces but a damaged or tampered file can hold. Linked only into the test projects that
/// reference EdgeFL.Storage (Directory.Build.props).
/// </summary>
public static class DatabaseVariants
{
    /// <summary>
    /// <paramref name="valid"/>, then one copy per statement of <paramref name="edits"/> run on it
    /// (<paramref name="parameters"/> binds their parameters). A statement SQLite refuses (a constraint)
    /// gives no copy.
    /// </summary>
    public static List<byte[]> Corpus(byte[] valid, string scratchDirectory, IEnumerable<string> edits, Action<SqliteCommand>? parameters = null)
    {
        var corpus = new List<byte[]> { valid };
        string copy = Path.Combine(scratchDirectory, "variant.db");
        foreach (string sql in edits)
        {
            File.WriteAllBytes(copy, valid);
            using (var connection = new SqliteConnection($"Data Source={copy};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                parameters?.Invoke(command);
                try
                {
                    command.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    continue;
                }
            }

            corpus.Add(File.ReadAllBytes(copy));
        }

        File.Delete(copy);
        return corpus;
    }

    /// <summary>
    /// Puts <paramref name="bytes"/> in <paramref name="directory"/> as <paramref name="fileName"/> and opens
    /// it as the service would, with nothing else left there (no WAL, no quarantined copy of an earlier input).
    /// </summary>
    public static StateDatabase OpenFresh(string directory, string fileName, byte[] bytes, string schema)
    {
        foreach (string f in Directory.GetFiles(directory))
        {
            File.Delete(f);
        }

        string path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, bytes);
        return StateDatabase.Open(path, schema, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }
}
