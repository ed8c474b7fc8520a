import { Component, type ReactNode } from 'react';

interface State {
  failed: boolean;
}

/**
 * The last line of defence: a rendering bug shows a message and a way out, instead of the blank
 * page React leaves when an error escapes every component.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="boot">
        <div className="error" role="alert">
          <p>Something went wrong in this page. Reload it and try again.</p>
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}
