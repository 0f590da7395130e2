using System.Reflection;

namespace EdgeFL.Observability.Dashboard;

/// <summary>The dashboard's static files, embedded in this assembly at build time (no build step of their own, nothing fetched from the internet).</summary>
internal static class DashboardAssets
{
    private static readonly Assembly Assembly = typeof(DashboardAssets).Assembly;

    /// <summary>The file at <paramref name="path"/> under <c>/dashboard/</c> and its content type, or null.</summary>
    public static (byte[] Bytes, string ContentType)? Get(string path)
    {
        if (path.Length == 0)
        {
            path = "index.html";
        }

        if (path.Contains("..", StringComparison.Ordinal) || path.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        using var stream = Assembly.GetManifestResourceStream("dashboard/" + path);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        string type = Path.GetExtension(path) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return (copy.ToArray(), type);
    }
}
