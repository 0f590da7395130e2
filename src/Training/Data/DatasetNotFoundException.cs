namespace EdgeFL.Training.Data;

/// <summary>Thrown when a data set's files are not on disk; the message says how to install them.</summary>
public sealed class DatasetNotFoundException : Exception
{
    /// <summary>Creates the exception for a data set missing from <paramref name="directory"/>.</summary>
    public DatasetNotFoundException(string directory, string message)
        : base(message)
    {
        Directory = directory;
    }

    /// <summary>The folder that was searched.</summary>
    public string Directory { get; }
}
