using EdgeFL.Core.Models;
using EdgeFL.Training.Managed;
using EdgeFL.Training.Models;

namespace EdgeFL.Training.Tests.Managed;

public sealed class ManagedModelsTests
{
    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.MobileNet)]
    public void CreateInitial_HasTorchModelsExactLayout(ModelKind kind)
    {
        using var torchModel = ModelFactory.Create(kind, seed: 1);
        ModelState torch = ModelStateConverter.ToModelState(torchModel);
        ModelState managed = ManagedModels.CreateInitial(kind, seed: 1);

        Assert.Equal(torch.Tensors.Select(t => $"{t.Name} {t.DType} [{string.Join(",", t.Shape)}]"), managed.Tensors.Select(t => $"{t.Name} {t.DType} [{string.Join(",", t.Shape)}]"));
        Assert.True(managed.HasSameLayout(torch));
    }

    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.MobileNet)]
    public void CreateInitial_SameSeedSameWeights_OtherSeedDiffers(ModelKind kind)
    {
        ModelState a = ManagedModels.CreateInitial(kind, seed: 5);
        ModelState b = ManagedModels.CreateInitial(kind, seed: 5);
        ModelState c = ManagedModels.CreateInitial(kind, seed: 6);
        Assert.Equal(0, TorchOracle.MaxDifference(a, b));
        Assert.True(TorchOracle.MaxDifference(a, c) > 0);
        Assert.True(TorchOracle.MaxDifference(a, ManagedModels.CreateInitial(kind)) > 0);
    }

    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.MobileNet)]
    public void CreateInitial_FollowsTorchDefaultInitialisation(ModelKind kind)
    {
        // torch.nn: weights and biases uniform in +-1/sqrt(fan_in) (kaiming_uniform, a = sqrt(5)); batch norm weight 1,
        // bias 0, running mean 0, running var 1, no batches. The spread of each tensor must match torch's own draw.
        using var torchModel = ModelFactory.Create(kind, seed: 3);
        ModelState torch = ModelStateConverter.ToModelState(torchModel);
        ModelState managed = ManagedModels.CreateInitial(kind, seed: 3);
        for (int i = 0; i < torch.Tensors.Count; i++)
        {
            NamedTensor t = torch.Tensors[i], m = managed.Tensors[i];
            if (t.DType == TensorDType.Int64)
            {
                Assert.Equal(t.AsInt64().ToArray(), m.AsInt64().ToArray());
                continue;
            }

            float[] tv = t.AsFloat32().ToArray(), mv = m.AsFloat32().ToArray();
            bool constant = tv.All(v => v == tv[0]);
            if (constant)
            {
                Assert.All(mv, v => Assert.Equal(tv[0], v)); // batch-norm weight, bias and running stats
                continue;
            }

            // A bias draws with its weight's fan-in.
            NamedTensor weight = torch.Tensors.Single(w => w.Name == t.Name[..t.Name.LastIndexOf('.')] + ".weight");
            double bound = 1 / Math.Sqrt(weight.ElementCount / weight.Shape[0]);
            Assert.All(mv, v => Assert.InRange(Math.Abs(v), 0, bound));
            Assert.All(tv, v => Assert.InRange(Math.Abs(v), 0, bound));
            if (tv.Length >= 64)
            {
                // Uniform on +-b has standard deviation b/sqrt(3): both draws within 15% of each other.
                double Std(float[] v) => Math.Sqrt(v.Average(x => (double)x * x));
                Assert.InRange(Std(mv) / Std(tv), 0.85, 1.15);
            }
        }
    }
}
