namespace EdgeFL.Hosting;

/// <summary>
/// A setting the service cannot run with (its message names the key, e.g. a model file that is not a
/// model): the service exits with <see cref="ServiceExitCodes.Configuration"/>.
/// </summary>
public sealed class ServiceConfigurationException : Exception
{
    public ServiceConfigurationException()
    {
    }

    public ServiceConfigurationException(string message)
        : base(message)
    {
    }

    public ServiceConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
