using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit;
using VoiceKit.ElevenLabs;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ElevenLabs providers with dependency injection.</summary>
public static class ElevenLabsServiceCollectionExtensions
{
    /// <summary>
    /// Registers ElevenLabs streaming synthesis as the singleton <see cref="ITextToSpeech"/>, configured through
    /// <see cref="IOptions{TOptions}"/> of <see cref="ElevenLabsTextToSpeechOptions"/> (so <c>services.Configure</c> and
    /// configuration binding apply too). The options are validated when the synthesiser is first resolved; the
    /// container disposes it (closing its pre-connected socket) when it is disposed.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddElevenLabsTextToSpeech(this IServiceCollection services, Action<ElevenLabsTextToSpeechOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ElevenLabsTextToSpeechOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<ElevenLabsTextToSpeechOptions>>().Value.AsElevenLabsTextToSpeech());
        return services;
    }
}
