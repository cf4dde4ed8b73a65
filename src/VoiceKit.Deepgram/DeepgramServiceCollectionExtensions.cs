using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit;
using VoiceKit.Deepgram;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Deepgram providers with dependency injection.</summary>
public static class DeepgramServiceCollectionExtensions
{
    /// <summary>
    /// Registers Deepgram live recognition as the singleton <see cref="ISpeechToText"/>, configured through
    /// <see cref="IOptions{TOptions}"/> of <see cref="DeepgramSpeechToTextOptions"/> (so <c>services.Configure</c> and
    /// configuration binding apply too). The options are validated when the recogniser is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddDeepgramSpeechToText(this IServiceCollection services, Action<DeepgramSpeechToTextOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DeepgramSpeechToTextOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<DeepgramSpeechToTextOptions>>().Value.AsDeepgramSpeechToText());
        return services;
    }

    /// <summary>
    /// Registers Deepgram Aura streaming synthesis as the singleton <see cref="ITextToSpeech"/>, configured through
    /// <see cref="IOptions{TOptions}"/> of <see cref="DeepgramTextToSpeechOptions"/>. The synthesiser keeps idle sockets
    /// for the next reply; the container closes them when it is disposed.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddDeepgramTextToSpeech(this IServiceCollection services, Action<DeepgramTextToSpeechOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DeepgramTextToSpeechOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<DeepgramTextToSpeechOptions>>().Value.AsDeepgramTextToSpeech());
        return services;
    }
}
