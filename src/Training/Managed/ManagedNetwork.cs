using System.Runtime.InteropServices;
using EdgeFL.Core.Models;
using EdgeFL.Training.Managed.Layers;

namespace EdgeFL.Training.Managed;

/// <summary>
/// A feed-forward chain of managed layers with a cross-entropy head: forward, backward, SGD, and its state as a
/// <see cref="ModelState"/> with the TorchSharp model's names, shapes, dtypes and order. Not thread-safe.
/// </summary>
internal sealed class ManagedNetwork
{
    private readonly Layer[] layers;
    private readonly Parameter[] parameters;
    private readonly BatchNormLayer[] batchNorms;
    private readonly Compute compute;
    private float[] input = [];
    private float[] gradLogits = [];
    private int capacity;

    public ManagedNetwork(IReadOnlyList<Layer> layers, int threads = 1)
    {
        this.layers = [.. layers];
        parameters = [.. this.layers.SelectMany(l => l.Parameters)];
        batchNorms = [.. this.layers.OfType<BatchNormLayer>()];
        compute = new Compute(threads);
        InputSize = this.layers[0].InputSize;
        Classes = this.layers[^1].OutputSize;
        for (int i = 1; i < this.layers.Length; i++)
        {
            if (this.layers[i].InputSize != this.layers[i - 1].OutputSize)
            {
                throw new ArgumentException($"layer {i} takes {this.layers[i].InputSize} floats per sample but layer {i - 1} gives {this.layers[i - 1].OutputSize}", nameof(layers));
            }
        }
    }

    /// <summary>Floats per input sample.</summary>
    public int InputSize { get; }

    /// <summary>Logits per sample.</summary>
    public int Classes { get; }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>Trainable tensors, in state-dict order.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>Batch-norm layers, whose running statistics are state but not parameters.</summary>
    public IReadOnlyList<BatchNormLayer> BatchNorms => batchNorms;

    /// <summary>The logits of the last <see cref="Forward"/>: batch x <see cref="Classes"/>.</summary>
    public ReadOnlySpan<float> Logits(int batch) => layers[^1].Output.AsSpan(0, batch * Classes);

    /// <summary>The input buffer a caller fills with batch x <see cref="InputSize"/> floats before <see cref="Forward"/>.</summary>
    public Span<float> InputBuffer(int batch)
    {
        Reserve(batch);
        return input.AsSpan(0, batch * InputSize);
    }

    /// <summary>Runs the layers on the first <paramref name="batch"/> samples of <see cref="InputBuffer"/>.</summary>
    public void Forward(int batch, bool training)
    {
        Reserve(batch);
        float[] x = input;
        foreach (Layer layer in layers)
        {
            layer.Forward(x, batch, training, compute);
            x = layer.Output;
        }
    }

    /// <summary>Mean cross-entropy of the last forward's logits against <paramref name="labels"/>; with <paramref name="backward"/>, fills every parameter's gradient.</summary>
    public float Loss(ReadOnlySpan<byte> labels, bool backward)
    {
        int batch = labels.Length;
        ReadOnlySpan<float> logits = Logits(batch);
        float total = 0;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> z = logits.Slice(n * Classes, Classes);
            float max = float.NegativeInfinity;
            foreach (float v in z)
            {
                max = Math.Max(max, v);
            }

            float sum = 0;
            foreach (float v in z)
            {
                sum += MathF.Exp(v - max);
            }

            float logSum = max + MathF.Log(sum);
            total += logSum - z[labels[n]];
            if (backward)
            {
                Span<float> g = gradLogits.AsSpan(n * Classes, Classes);
                for (int k = 0; k < Classes; k++)
                {
                    g[k] = MathF.Exp(z[k] - logSum) / batch;
                }

                g[labels[n]] -= 1f / batch;
            }
        }

        if (backward)
        {
            float[] grad = gradLogits;
            for (int i = layers.Length - 1; i >= 0; i--)
            {
                float[] layerInput = i == 0 ? input : layers[i - 1].Output;
                layers[i].Backward(layerInput, grad, batch, needGradInput: i > 0, compute);
                grad = layers[i].GradInput;
            }
        }

        return total / batch;
    }

    /// <summary>torch.optim.SGD's step (no dampening, no Nesterov, no weight decay): buf = m*buf + g; p -= lr*buf.</summary>
    public void Step(float learningRate, float momentum)
    {
        foreach (Parameter p in parameters)
        {
            Span<float> value = p.Value;
            ReadOnlySpan<float> grad = p.Grad;
            if (momentum == 0)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(grad, -learningRate, value, value);
                continue;
            }

            if (p.Momentum is null)
            {
                p.Momentum = grad.ToArray(); // torch's first step: buf = clone(g)
            }
            else
            {
                Span<float> buffer = p.Momentum;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(buffer, momentum, grad, buffer);
            }

            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Momentum, -learningRate, value, value);
        }
    }

    /// <summary>Remembers every parameter's current value as the proximal term's anchor (the round's model).</summary>
    public void SetProximalAnchor()
    {
        foreach (Parameter p in parameters)
        {
            p.Anchor ??= new float[p.Count];
            p.Value.AsSpan().CopyTo(p.Anchor);
        }
    }

    /// <summary>
    /// Adds the gradient of FedProx's mu/2 x ||w - w_anchor||^2, mu x (w - w_anchor), to every parameter's gradient,
    /// in torch's order of operations: (g + mu*w) - mu*w_anchor.
    /// </summary>
    public void AddProximalGradient(float mu)
    {
        foreach (Parameter p in parameters)
        {
            Span<float> grad = p.Grad;
            float[] anchor = p.Anchor ?? throw new InvalidOperationException("the proximal anchor was never set");
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Value, mu, grad, grad);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(anchor, -mu, grad, grad);
        }
    }

    /// <summary>Forgets SGD's momentum buffers (a new training run starts without them, as a new torch optimizer does).</summary>
    public void ResetMomentum()
    {
        foreach (Parameter p in parameters)
        {
            p.Momentum = null;
        }
    }

    /// <summary>The state in TorchSharp's state-dict order: every parameter in module order, then every buffer in module order.</summary>
    public ModelState ToState()
    {
        var tensors = new List<NamedTensor>(parameters.Length + (3 * batchNorms.Length));
        foreach (Parameter p in parameters)
        {
            tensors.Add(new NamedTensor(p.Name, (int[])p.Shape.Clone(), TensorDType.Float32, MemoryMarshal.AsBytes(p.Value.AsSpan()).ToArray()));
        }

        foreach (BatchNormLayer bn in batchNorms)
        {
            tensors.Add(new NamedTensor(bn.Prefix + "running_mean", [bn.RunningMean.Length], TensorDType.Float32, MemoryMarshal.AsBytes(bn.RunningMean.AsSpan()).ToArray()));
            tensors.Add(new NamedTensor(bn.Prefix + "running_var", [bn.RunningVar.Length], TensorDType.Float32, MemoryMarshal.AsBytes(bn.RunningVar.AsSpan()).ToArray()));
            tensors.Add(new NamedTensor(bn.Prefix + "num_batches_tracked", [], TensorDType.Int64, BitConverter.GetBytes(bn.NumBatchesTracked)));
        }

        return new ModelState(tensors);
    }

    /// <summary>
    /// Copies <paramref name="state"/> into the network. Names, shapes and dtypes must match exactly (in any order);
    /// nothing is written unless all of them do.
    /// </summary>
    public void Load(ModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ModelState layout = ToState();
        var expected = layout.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (NamedTensor source in state.Tensors)
        {
            if (source.DType == TensorDType.QUInt8)
            {
                throw new ArgumentException($"tensor '{source.Name}' is quantized (q8); dequantize the state to f32 before loading it into a model", nameof(state));
            }

            if (!expected.TryGetValue(source.Name, out NamedTensor? target))
            {
                throw new ArgumentException($"tensor '{source.Name}' does not exist in the model", nameof(state));
            }

            if (target.DType != source.DType)
            {
                throw new ArgumentException($"tensor '{source.Name}' is {source.DType.WireName()} but the model holds {target.DType.WireName()}", nameof(state));
            }

            if (!target.Shape.AsSpan().SequenceEqual(source.Shape))
            {
                throw new ArgumentException($"tensor '{source.Name}' has shape [{string.Join(", ", source.Shape)}] but the model expects [{string.Join(", ", target.Shape)}]", nameof(state));
            }

            byName[source.Name] = source;
        }

        if (byName.Count != expected.Count)
        {
            string missing = expected.Keys.First(k => !byName.ContainsKey(k));
            throw new ArgumentException($"tensor '{missing}' of the model is missing from the state", nameof(state));
        }

        foreach (Parameter p in parameters)
        {
            byName[p.Name].AsFloat32().CopyTo(p.Value);
        }

        foreach (BatchNormLayer bn in batchNorms)
        {
            byName[bn.Prefix + "running_mean"].AsFloat32().CopyTo(bn.RunningMean);
            byName[bn.Prefix + "running_var"].AsFloat32().CopyTo(bn.RunningVar);
            bn.NumBatchesTracked = byName[bn.Prefix + "num_batches_tracked"].AsInt64()[0];
        }
    }

    private void Reserve(int batch)
    {
        if (batch <= capacity)
        {
            return;
        }

        capacity = batch;
        input = new float[batch * InputSize];
        gradLogits = new float[batch * Classes];
        foreach (Layer layer in layers)
        {
            layer.Reserve(batch);
        }
    }
}
