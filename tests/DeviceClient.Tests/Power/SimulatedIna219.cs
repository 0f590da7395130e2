using System.Buffers.Binary;
using System.Device.I2c;

namespace EdgeFL.DeviceClient.Tests.Power;

/// <summary>An INA219's register file (big-endian 16-bit registers behind a pointer register).</summary>
internal sealed class SimulatedIna219 : I2cDevice
{
    private readonly ushort[] _registers = new ushort[6];
    private int _pointer;

    public SimulatedIna219()
    {
        _registers[0] = 0x399F; // power-on configuration
    }

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x40);

    public ushort Calibration => _registers[5];

    /// <summary>Sets the bus voltage register (bits 15-3 count 4 mV) and the current register (counts of currentLsb).</summary>
    public void Set(double busVolts, double amps, double currentLsb)
    {
        _registers[2] = (ushort)(((int)Math.Round(busVolts / 0.004)) << 3);
        _registers[4] = unchecked((ushort)(short)Math.Round(amps / currentLsb));
    }

    public override byte ReadByte() => throw new NotSupportedException();

    public override void Read(Span<byte> buffer) => BinaryPrimitives.WriteUInt16BigEndian(buffer, _registers[_pointer]);

    public override void WriteByte(byte value) => _pointer = value;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pointer = buffer[0];
        if (buffer.Length >= 3)
        {
            _registers[_pointer] = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }
}
