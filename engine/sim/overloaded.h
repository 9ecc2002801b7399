#pragma once
// std::visit over a variant with one lambda per alternative: Overloaded{[](A&) {...}, [](B&) {...}}.

namespace brokersim::sim {

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace brokersim::sim
