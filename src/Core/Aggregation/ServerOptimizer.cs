using System.Runtime.InteropServices;
using EdgeFL.Core.Models;

namespace EdgeFL.Core.Aggregation;

/// <summary>
/// A server optimizer (Reddi et al., ICLR 2021): treats the change from the current model to a round's average,
/// <c>d = avg - x</c>, as a pseudo-gradient and steps along it. FedAvg: <c>x + eta d</c>. FedAvgM:
/// <c>m = beta1 m + d; x + eta m</c>. FedAdam: <c>m = beta1 m + (1 - beta1) d; v = beta2 v + (1 - beta2) d^2;
/// x + eta m / (sqrt(v) + tau)</c>. FedYogi: as FedAdam with <c>v = v - (1 - beta2) d^2 sign(v - d^2)</c>.
/// Trained float tensors only: int64 tensors (counters) and batch norm's running statistics (<c>running_mean</c>,
/// <c>running_var</c>: measurements of the data, not parameters; momentum would push a variance below zero) take
/// the average. Its state (<see cref="State"/>) is kept with the
/// model it produced, so a restart resumes it exactly. Not thread-safe.
/// </summary>
public sealed class ServerOptimizer
{
    private const string MomentSuffix = "#m";
    private const string VarianceSuffix = "#v";
    private readonly ServerOptimizerOptions _options;
    private float[][]? _m;
    private float[][]? _v;
    private string?[]? _names;

    public ServerOptimizer(ServerOptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The optimizer's kind.</summary>
    public ServerOptimizerKind Kind => _options.Kind;

    /// <summary>True when the optimizer is the identity (FedAvg with learning rate 1): the average is the next model.</summary>
    public bool IsIdentity => _options.Kind == ServerOptimizerKind.FedAvg && _options.LearningRate == 1.0;

    /// <summary>Steps taken since the state was empty.</summary>
    public long Steps { get; private set; }

    /// <summary>Whether <paramref name="name"/> is a batch-norm running statistic (PyTorch's buffer names), which is averaged, never stepped.</summary>
    public static bool IsRunningStatistic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal)
            || name is "running_mean" or "running_var";
    }

    /// <summary>The next model from the current one and a round's average (same layout); the state advances.</summary>
    public ModelState Step(ModelState current, ModelState average)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(average);
        if (!current.HasSameLayout(average))
        {
            throw new ArgumentException("the average's layout is not the current model's", nameof(average));
        }

        if (IsIdentity)
        {
            Steps++;
            return average;
        }

        EnsureState(current);
        float eta = (float)_options.LearningRate, b1 = (float)_options.Beta1, b2 = (float)_options.Beta2, tau = (float)_options.Tau;
        var tensors = new NamedTensor[current.Tensors.Count];
        for (int t = 0; t < tensors.Length; t++)
        {
            var x = current.Tensors[t];
            var avg = average.Tensors[t];
            if (x.DType != TensorDType.Float32 || avg.DType != TensorDType.Float32 || IsRunningStatistic(x.Name))
            {
                tensors[t] = avg.Detach();
                continue;
            }

            ReadOnlySpan<float> xs = x.AsFloat32(), a = avg.AsFloat32();
            var next = new float[xs.Length];
            float[] m = _m![t], v = _v![t];
            for (int i = 0; i < next.Length; i++)
            {
                float d = a[i] - xs[i];
                switch (_options.Kind)
                {
                    case ServerOptimizerKind.FedAvg:
                        next[i] = xs[i] + (eta * d);
                        break;
                    case ServerOptimizerKind.FedAvgM:
                        m[i] = (b1 * m[i]) + d;
                        next[i] = xs[i] + (eta * m[i]);
                        break;
                    default:
                        m[i] = (b1 * m[i]) + ((1 - b1) * d);
                        float d2 = d * d;
                        v[i] = _options.Kind == ServerOptimizerKind.FedYogi
                            ? v[i] - ((1 - b2) * d2 * MathF.Sign(v[i] - d2))
                            : (b2 * v[i]) + ((1 - b2) * d2);
                        next[i] = xs[i] + (eta * m[i] / (MathF.Sqrt(v[i]) + tau));
                        break;
                }
            }

            tensors[t] = new NamedTensor(x.Name, (int[])x.Shape.Clone(), TensorDType.Float32, MemoryMarshal.AsBytes(next.AsSpan()).ToArray());
        }

        Steps++;
        return new ModelState(tensors);
    }

    /// <summary>
    /// The moments as a model (<c>{name}#m</c> and <c>{name}#v</c> per float tensor) to keep beside the model they
    /// produced; null while there is none (FedAvg, or before the first step).
    /// </summary>
    public ModelState? State()
    {
        if (_m is null || _v is null)
        {
            return null;
        }

        var tensors = new List<NamedTensor>();
        for (int t = 0; t < _m.Length; t++)
        {
            if (_names![t] is not { } name)
            {
                continue;
            }

            tensors.Add(new NamedTensor(name + MomentSuffix, [_m[t].Length], TensorDType.Float32, MemoryMarshal.AsBytes(_m[t].AsSpan()).ToArray()));
            tensors.Add(new NamedTensor(name + VarianceSuffix, [_v[t].Length], TensorDType.Float32, MemoryMarshal.AsBytes(_v[t].AsSpan()).ToArray()));
        }

        return new ModelState(tensors);
    }

    /// <summary>
    /// Takes saved moments back for a model of <paramref name="layout"/>; false (the state starts empty) when they
    /// do not fit it (another model, or damaged). Null <paramref name="state"/> empties the state.
    /// </summary>
    public bool Restore(ModelState layout, ModelState? state, long steps)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _m = _v = null;
        _names = null;
        Steps = 0;
        if (state is null)
        {
            return true;
        }

        var byName = state.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        EnsureState(layout);
        for (int t = 0; t < layout.Tensors.Count; t++)
        {
            if (_names![t] is not { } name)
            {
                continue;
            }

            if (!byName.TryGetValue(name + MomentSuffix, out var m) || !byName.TryGetValue(name + VarianceSuffix, out var v)
                || m.DType != TensorDType.Float32 || v.DType != TensorDType.Float32
                || m.ElementCount != _m![t].Length || v.ElementCount != _v![t].Length)
            {
                _m = _v = null;
                _names = null;
                return false;
            }

            m.AsFloat32().CopyTo(_m[t]);
            v.AsFloat32().CopyTo(_v[t]);
        }

        Steps = steps;
        return true;
    }

    private void EnsureState(ModelState layout)
    {
        if (_m is not null && _m.Length == layout.Tensors.Count)
        {
            return;
        }

        _m = new float[layout.Tensors.Count][];
        _v = new float[layout.Tensors.Count][];
        _names = new string?[layout.Tensors.Count];
        for (int t = 0; t < _m.Length; t++)
        {
            var tensor = layout.Tensors[t];
            bool isFloat = tensor.DType.Logical() == TensorDType.Float32;
            _m[t] = isFloat ? new float[tensor.ElementCount] : [];
            _v[t] = isFloat ? new float[tensor.ElementCount] : [];
            _names[t] = isFloat ? tensor.Name : null;
        }
    }
}
