namespace EdgeFL.Emulation.Tests;

/// <summary>The checkout this test runs from (the folder holding EdgeFL.sln).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "EdgeFL.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (EdgeFL.sln) not found above " + AppContext.BaseDirectory);
    }
}
