namespace EdgeFL.Tests.Shared;

/// <summary>Where a project of this repository put its build output, for tests that run a built program.</summary>
public static class BuiltProject
{
    /// <summary>
    /// src/{project}/bin/{configuration}/{framework}/{assembly}, built with the same configuration and
    /// framework as the running test; throws naming the project to build when it is not there.
    /// </summary>
    public static string AssemblyPath(string project, string assembly)
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = baseDir.Parent!.Name; // .../bin/{configuration}/{framework}/
        string framework = baseDir.Name;
        var dir = baseDir;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeFL.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("repository root (EdgeFL.sln) not found above " + AppContext.BaseDirectory);
        }

        string path = Path.Combine(dir.FullName, "src", project, "bin", configuration, framework, assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build src/{project} first (or the solution)", path);
    }
}
