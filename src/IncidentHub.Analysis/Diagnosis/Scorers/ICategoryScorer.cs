namespace IncidentHub.Analysis.Diagnosis.Scorers;

/// <summary>
/// Scores one hypothesis category: adds its evidence to <c>signals</c> and returns the hypothesis statement,
/// or sets <c>discard</c> to the reason the category lacks its required evidence.
/// </summary>
internal interface ICategoryScorer
{
    HypothesisCategory Category { get; }

    string Score(Facts f, List<Signal> signals, ref string? discard);
}
