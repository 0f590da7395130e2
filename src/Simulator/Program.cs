using System.Globalization;
using EdgeFL.Simulator;
using EdgeFL.Training.Data;

if (args.Length > 0 && args[0] is "init-model" or "keygen" or "make-certs")
{
    Console.Error.WriteLine($"error: '{args[0]}' moved to the operator's CLI: dotnet run --project src/Cli -- {args[0]} --help");
    return 2;
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DemoArguments.Usage);
    return 0;
}

DemoOptions options;
try
{
    options = DemoArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    double accuracy = await new DemoRunner(options, Console.Out).RunAsync(cancel.Token).ConfigureAwait(false);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"final accuracy: {accuracy:F4}"));
    return 0;
}
catch (DatasetNotFoundException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 3;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("interrupted");
    return 130;
}
