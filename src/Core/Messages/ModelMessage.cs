using EdgeFL.Core.Models;

namespace EdgeFL.Core.Messages;

/// <summary>A model published downstream (gateway to devices) or upstream-origin (cloud global model).</summary>
/// <param name="ModelId">Identifies the model architecture/experiment the state belongs to.</param>
/// <param name="Round">The round this model opens; for a cloud model, the global version.</param>
/// <param name="Source">The publishing gateway's id, or <c>"cloud"</c>.</param>
/// <param name="TotalSamples">Training samples behind this model, 0 if unknown.</param>
/// <param name="IssuedAt">When the model was published (millisecond precision on the wire).</param>
/// <param name="Model">The model state; after decoding it may borrow the payload buffer.</param>
/// <param name="Selected">
/// The devices chosen to train this round (energy-aware selection); null means every device may train.
/// Devices not listed decline with reason <c>"not-selected"</c>.
/// </param>
public sealed record ModelMessage(
    string ModelId,
    long Round,
    string Source,
    long TotalSamples,
    DateTimeOffset IssuedAt,
    ModelState Model,
    IReadOnlyList<string>? Selected = null);
