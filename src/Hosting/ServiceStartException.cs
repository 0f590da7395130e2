namespace EdgeFL.Hosting;

/// <summary>
/// The service could not start for a reason that may pass (a port still in use): its message names the
/// key; the service exits with <see cref="ServiceExitCodes.Fatal"/>, so systemd tries again.
/// </summary>
public sealed class ServiceStartException : Exception
{
    public ServiceStartException()
    {
    }

    public ServiceStartException(string message)
        : base(message)
    {
    }

    public ServiceStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
