using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeFL.Training;

/// <summary>
/// FedProx's proximal term mu/2 x ||w - w_start||^2 (Li et al., MLSys 2020), applied through its gradient
/// mu x (w - w_start), added to each parameter's gradient after the backward pass: the same step as putting
/// the term into the loss, without a graph over every weight. The reported loss stays the cross-entropy.
/// </summary>
internal sealed class ProximalTerm : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _start;
    private readonly double _mu;

    private ProximalTerm(Parameter[] parameters, double mu)
    {
        _parameters = parameters;
        _mu = mu;
        using (no_grad())
        {
            _start = parameters.Select(p => p.detach().clone()).ToArray();
        }
    }

    /// <summary>The term for <paramref name="parameters"/> as they are now (the round's model), or null when <paramref name="mu"/> is 0.</summary>
    public static ProximalTerm? Create(Parameter[] parameters, double mu) => mu > 0 ? new ProximalTerm(parameters, mu) : null;

    /// <summary>Adds mu x (w - w_start) to every parameter's gradient.</summary>
    public void AddGradient()
    {
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is { } grad)
            {
                grad.add_(_parameters[i], alpha: _mu).add_(_start[i], alpha: -_mu);
            }
        }
    }

    public void Dispose()
    {
        foreach (var t in _start)
        {
            t.Dispose();
        }
    }
}
