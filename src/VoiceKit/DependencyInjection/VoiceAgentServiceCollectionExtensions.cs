using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using VoiceKit;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="VoiceAgent"/> with dependency injection.</summary>
public static class VoiceAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="VoiceAgent"/> and returns its builder. Providers not set on the builder are taken
    /// from the container: <see cref="ISpeechToText"/>, <see cref="ILanguageModel"/> (or an <see cref="IChatClient"/>),
    /// <see cref="ITextToSpeech"/>, and <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> when registered. The
    /// agent is built, and its options validated, when first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the builder.</param>
    /// <returns>The builder, to configure further.</returns>
    public static VoiceAgentBuilder AddVoiceAgent(this IServiceCollection services, Action<VoiceAgentBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new VoiceAgentBuilder();
        configure?.Invoke(builder);
        services.TryAddSingleton(provider => builder.Build(provider));
        return builder;
    }
}
