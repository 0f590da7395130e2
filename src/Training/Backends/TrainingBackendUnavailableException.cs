namespace EdgeFL.Training.Backends;

/// <summary>The training backend asked for cannot run on this machine or build.</summary>
public sealed class TrainingBackendUnavailableException : Exception
{
    public TrainingBackendUnavailableException()
    {
    }

    public TrainingBackendUnavailableException(string message)
        : base(message)
    {
    }

    public TrainingBackendUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
