using EdgeFL.Training;
using TorchSharp;

// Usage: EdgeFL.TorchLogProbe [apply]
// Provokes two libtorch warnings (a non-leaf tensor's .grad, which warns on every CPU, and a convolution,
// which warns where NNPACK cannot start), with EdgeFL's log threshold applied or not; prints "done".
if (args.Contains("apply"))
{
    Console.WriteLine($"level {TorchLogLevel.EnsureApplied()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"}");
}

using var leaf = torch.ones(2, requires_grad: true);
using var nonLeaf = leaf * 2;
using var grad = nonLeaf.grad;
using var image = torch.ones(1, 1, 8, 8);
using var kernel = torch.ones(4, 1, 3, 3);
using var feature = torch.nn.functional.conv2d(image, kernel);
Console.WriteLine($"done {grad is null} {feature.shape[1]}");
