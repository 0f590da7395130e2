// Compiled by RoslynCodeTaskFactory (see TorchSharpNativeFix.targets, netstandard2.0: no spans) and,
// with EDGEFL_ELF_TESTS defined, by tests/Training.Tests so the ELF logic is unit-tested.
#nullable enable
using System;
using System.IO;
using System.Text;

/// <summary>
/// Finds and sets VER_FLG_WEAK on one version requirement of an ELF64 little-endian shared
/// library (a Vernaux entry of its SHT_GNU_verneed section, .gnu.version_r).
/// </summary>
/// <remarks>
/// TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 only for
/// _ZSt21ios_base_library_initv, which GCC 13 references from &lt;iostream&gt; and never calls.
/// Debian 12's libstdc++ stops at GLIBCXX_3.4.30; a weak requirement lets the loader go on.
/// </remarks>
public static class ElfVersionNeedPatcher
{
    public const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const int MaxEntries = 1 << 16;

    /// <summary>
    /// File offset of the vna_flags field of the entry <paramref name="versionName"/> required from
    /// <paramref name="fileName"/>, or -1 when the library does not require it. Throws
    /// <see cref="InvalidDataException"/> when the image is not a well-formed ELF64 little-endian file.
    /// </summary>
    public static long FindFlagsOffset(byte[] elf, string fileName, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a little-endian ELF64 file");
        }

        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);
        if (shentsize < 64 || shnum == 0 || !Fits(elf, shoff, (ulong)shentsize * (ulong)shnum))
        {
            throw new InvalidDataException("section header table lies outside the file");
        }

        for (int i = 0; i < shnum; i++)
        {
            int sh = (int)shoff + (i * shentsize);
            if (U32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            ulong offset = U64(elf, sh + 24);
            ulong size = U64(elf, sh + 32);
            uint link = U32(elf, sh + 40);
            uint count = U32(elf, sh + 44);
            if (!Fits(elf, offset, size) || link >= (uint)shnum)
            {
                throw new InvalidDataException(".gnu.version_r lies outside the file or links to no section");
            }

            int strHeader = (int)shoff + ((int)link * shentsize);
            ulong strOffset = U64(elf, strHeader + 24);
            ulong strSize = U64(elf, strHeader + 32);
            if (!Fits(elf, strOffset, strSize))
            {
                throw new InvalidDataException("the string table of .gnu.version_r lies outside the file");
            }

            long found = WalkVerneed(elf, (long)offset, (long)size, (long)strOffset, (long)strSize, count, fileName, versionName);
            if (found >= 0)
            {
                return found;
            }
        }

        return -1;
    }

    /// <summary>The vna_flags of the entry, or null when the library does not require that version.</summary>
    public static ushort? ReadFlags(byte[] elf, string fileName, string versionName)
    {
        long offset = FindFlagsOffset(elf, fileName, versionName);
        return offset < 0 ? null : U16(elf, (int)offset);
    }

    /// <summary>True when <paramref name="library"/> contains <paramref name="versionName"/> as a NUL-terminated string.</summary>
    public static bool ContainsVersionString(byte[] library, string versionName)
    {
        byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
        for (int i = 0; i <= library.Length - needle.Length; i++)
        {
            i = Array.IndexOf(library, needle[0], i);
            if (i < 0 || i > library.Length - needle.Length)
            {
                return false;
            }

            int k = 1;
            while (k < needle.Length && library[i + k] == needle[k])
            {
                k++;
            }

            if (k == needle.Length)
            {
                return true;
            }
        }

        return false;
    }

    private static long WalkVerneed(byte[] elf, long section, long size, long strtab, long strSize, uint count, string fileName, string versionName)
    {
        long vn = 0;
        for (uint n = 0; n < count && n < MaxEntries; n++)
        {
            if (vn < 0 || vn > size - 16)
            {
                throw new InvalidDataException("a Verneed entry lies outside .gnu.version_r");
            }

            int at = (int)(section + vn);
            int vnCnt = U16(elf, at + 2);
            uint vnFile = U32(elf, at + 4);
            uint vnAux = U32(elf, at + 8);
            uint vnNext = U32(elf, at + 12);
            if (StringAt(elf, strtab, strSize, vnFile) == fileName)
            {
                long aux = vn + vnAux;
                for (int a = 0; a < vnCnt; a++)
                {
                    if (aux > size - 16)
                    {
                        throw new InvalidDataException("a Vernaux entry lies outside .gnu.version_r");
                    }

                    int auxAt = (int)(section + aux);
                    if (StringAt(elf, strtab, strSize, U32(elf, auxAt + 8)) == versionName)
                    {
                        return auxAt + 4;
                    }

                    uint vnaNext = U32(elf, auxAt + 12);
                    if (vnaNext == 0)
                    {
                        break;
                    }

                    aux += vnaNext;
                }
            }

            if (vnNext == 0)
            {
                break;
            }

            vn += vnNext;
        }

        return -1;
    }

    private static string StringAt(byte[] elf, long strtab, long strSize, uint offset)
    {
        if (offset >= strSize)
        {
            throw new InvalidDataException("a name lies outside the string table");
        }

        int start = (int)(strtab + offset);
        int end = Array.IndexOf(elf, (byte)0, start, (int)(strSize - offset));
        if (end < 0)
        {
            throw new InvalidDataException("a name in the string table is not terminated");
        }

        return Encoding.ASCII.GetString(elf, start, end - start);
    }

    private static bool Fits(byte[] elf, ulong offset, ulong size) =>
        offset <= (ulong)elf.Length && size <= (ulong)elf.Length - offset;

    private static ushort U16(byte[] b, int at) => (ushort)(b[at] | (b[at + 1] << 8));

    private static uint U32(byte[] b, int at) => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

    private static ulong U64(byte[] b, int at) => U32(b, at) | ((ulong)U32(b, at + 4) << 32);
}

#if !EDGEFL_ELF_TESTS
/// <summary>MSBuild task: marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak where the system libstdc++ lacks that version.</summary>
public sealed class TorchSharpNativeFix : Microsoft.Build.Utilities.Task
{
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const string LibStdCxx = "libstdc++.so.6";

    private static readonly string[] LibStdCxxDirectories =
    {
        "/usr/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/usr/lib64",
        "/lib64",
        "/usr/lib",
        "/lib",
        "/usr/local/lib64",
        "/usr/local/lib",
    };

    [Microsoft.Build.Framework.Required]
    public string LibraryPath { get; set; } = string.Empty;

    public override bool Execute()
    {
        if (!File.Exists(LibraryPath))
        {
            return true;
        }

        string? systemLib = FindSystemLibStdCxx();
        if (systemLib is null)
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "TorchSharpNativeFix: no {0} in the usual folders; {1} left as shipped.", LibStdCxx, LibraryPath);
            return true;
        }

        if (ElfVersionNeedPatcher.ContainsVersionString(File.ReadAllBytes(systemLib), RequiredVersion))
        {
            return true;
        }

        byte[] image = File.ReadAllBytes(LibraryPath);
        long flagsOffset;
        try
        {
            flagsOffset = ElfVersionNeedPatcher.FindFlagsOffset(image, LibStdCxx, RequiredVersion);
        }
        catch (InvalidDataException ex)
        {
            Log.LogError("TorchSharpNativeFix: cannot read {0} as ELF64: {1}", LibraryPath, ex.Message);
            return false;
        }

        if (flagsOffset < 0)
        {
            return true;
        }

        ushort flags = (ushort)(image[flagsOffset] | (image[flagsOffset + 1] << 8));
        if ((flags & ElfVersionNeedPatcher.VerFlagWeak) != 0)
        {
            return true;
        }

        flags |= ElfVersionNeedPatcher.VerFlagWeak;

        // Never write in place: the output file is usually a hard link into the NuGet cache.
        // Patch a sibling copy (File.Copy keeps the mode) and rename it over the original.
        DateTime lastWrite = File.GetLastWriteTimeUtc(LibraryPath);
        string temp = Path.Combine(Path.GetDirectoryName(LibraryPath)!, "." + Path.GetFileName(LibraryPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.Copy(LibraryPath, temp);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
            {
                stream.Position = flagsOffset;
                stream.WriteByte((byte)flags);
                stream.WriteByte((byte)(flags >> 8));
            }

            // Keep the original timestamp so Copy's SkipUnchangedFiles (same size and time) leaves the
            // patched file alone on incremental builds instead of re-linking the cached original.
            File.SetLastWriteTimeUtc(temp, lastWrite);
            File.Replace(temp, LibraryPath, null); // rename(2) on Unix: atomic, breaks the hard link
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "TorchSharpNativeFix: marked {0} weak in {1} ({2} lacks it).", RequiredVersion, Path.GetFullPath(LibraryPath), systemLib);
        return true;
    }

    private static string? FindSystemLibStdCxx()
    {
        foreach (string dir in LibStdCxxDirectories)
        {
            string candidate = Path.Combine(dir, LibStdCxx);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
#endif
