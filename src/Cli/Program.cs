using EdgeFL.Cli;

return await EdgeFlCommandLine.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
