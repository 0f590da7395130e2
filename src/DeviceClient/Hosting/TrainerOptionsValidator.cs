using EdgeFL.Training;
using Microsoft.Extensions.Options;

namespace EdgeFL.DeviceClient.Hosting;

/// <summary>Checks the device's <see cref="TrainerOptions"/> (section <c>Device:Training</c>) at start, naming keys.</summary>
internal sealed class TrainerOptionsValidator : IValidateOptions<TrainerOptions>
{
    public const string Section = "Device:Training";

    public ValidateOptionsResult Validate(string? name, TrainerOptions t)
    {
        const string s = Section;
        var errors = new List<string>();
        if (t.BatchSize <= 0)
        {
            errors.Add($"{s}:BatchSize must be positive (was {t.BatchSize})");
        }

        if (!(t.LearningRate > 0) || double.IsInfinity(t.LearningRate))
        {
            errors.Add($"{s}:LearningRate must be positive and finite (was {t.LearningRate})");
        }

        if (t.Epochs <= 0)
        {
            errors.Add($"{s}:Epochs must be positive (was {t.Epochs})");
        }

        if (!(t.Momentum >= 0 && t.Momentum < 1))
        {
            errors.Add($"{s}:Momentum must be in [0, 1) (was {t.Momentum})");
        }

        if (t.DecayRounds < 0)
        {
            errors.Add($"{s}:DecayRounds must be 0 (constant learning rate) or more (was {t.DecayRounds})");
        }

        if (!(t.FinalLearningRateFactor >= 0 && t.FinalLearningRateFactor <= 1))
        {
            errors.Add($"{s}:FinalLearningRateFactor must be in [0, 1] (was {t.FinalLearningRateFactor})");
        }

        if (!(t.ProximalMu >= 0 && t.ProximalMu <= 100))
        {
            errors.Add($"{s}:ProximalMu must be in [0, 100] (was {t.ProximalMu})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
