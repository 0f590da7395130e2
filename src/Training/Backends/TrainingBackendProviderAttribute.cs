using System.Diagnostics.CodeAnalysis;

namespace EdgeFL.Training.Backends;

/// <summary>Names, on an optional backend assembly, its <see cref="ITrainingBackendProvider"/> (a class with a public parameterless constructor).</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class TrainingBackendProviderAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type providerType) : Attribute
{
    /// <summary>The provider's type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type ProviderType { get; } = providerType;
}
